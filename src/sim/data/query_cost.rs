//! What a query costs the database: a small planner over one table.
//!
//! The table's rows cover a span of time uniformly (telemetry, orders). A query
//! filters by equality on some columns (each with a selectivity) and by a time
//! window ending now. The planner prices each way of reading the rows and takes
//! the cheapest, as PostgreSQL's does:
//! - a sequential scan reads every row of the partitions the time filter
//!   touches: cost ∝ rows read;
//! - a B-tree index scan descends the tree (cost ∝ log2 of the rows indexed, per
//!   partition touched) and then fetches every row the index prefix matches
//!   (cost ∝ rows matched by the prefix). An index on `(status, timestamp)` uses
//!   both predicates; an index on `(status)` alone fetches every row with that
//!   status and filters the time afterwards.
//!
//! Range partitioning by time bounds what either plan reads to the partitions
//! the window overlaps (partition pruning).

use crate::sim::kernel::decimal::clamp;

/// A table as the planner sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct TableStats {
    /// Rows in the table.
    pub rows: f64,
    /// The span of time the rows cover, oldest to newest, seconds.
    pub span_s: f64,
    /// Range partitioning by time: the width of one partition, seconds.
    pub partition_s: Option<f64>,
    /// How much of the newest partition is filled (time since it started), seconds.
    pub newest_partition_filled_s: f64,
    /// B-tree indexes, each a list of column names in key order.
    pub indexes: Vec<Vec<String>>,
    /// The column holding the row's time.
    pub time_column: String,
}

/// A query's predicates.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// Equality predicates: (column, share of rows that match).
    pub eq: Vec<(String, f64)>,
    /// Only rows of the last `window_s` seconds.
    pub window_s: Option<f64>,
}

/// Per-row and per-page prices, in CPU microseconds. Defaults are a PostgreSQL
/// server with the table cached in memory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostModel {
    /// Reading and filtering one row in a sequential scan.
    pub seq_row_us: f64,
    /// Visiting one level of a B-tree (per log2 of the rows indexed).
    pub index_level_us: f64,
    /// Fetching one row found through an index (a random heap access).
    pub index_row_us: f64,
    /// Parsing, planning and sending the answer: paid by every query.
    pub per_query_us: f64,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            seq_row_us: 0.01,
            index_level_us: 20.0,
            index_row_us: 2.0,
            per_query_us: 200.0,
        }
    }
}

/// How the planner reads the rows.
#[derive(Clone, Debug, PartialEq)]
pub enum ScanKind {
    /// Every row of the partitions touched.
    SeqScan,
    /// Through the index with this position in `TableStats::indexes`.
    IndexScan(usize),
}

/// The plan chosen and what it costs.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// How the rows are read.
    pub scan: ScanKind,
    /// Partitions the time filter touches (1 when not partitioned).
    pub partitions: u32,
    /// Rows the plan reads (examines).
    pub rows_read: f64,
    /// Rows that satisfy every predicate (the answer).
    pub rows_matched: f64,
    /// CPU the query needs, microseconds.
    pub cpu_us: f64,
}

impl TableStats {
    /// The span of data the time filter touches after partition pruning, and
    /// the number of partitions it covers.
    fn touched(&self, window_s: Option<f64>) -> (f64, u32) {
        match (self.partition_s, window_s) {
            (Some(p), Some(w)) => {
                let newest = clamp(self.newest_partition_filled_s, 0.0, p);
                if w <= newest {
                    (newest, 1)
                } else {
                    let more = ((w - newest) / p).ceil();
                    ((newest + more * p).min(self.span_s), 1 + more as u32)
                }
            }
            (Some(p), None) => (self.span_s, (self.span_s / p).ceil().max(1.0) as u32),
            (None, _) => (self.span_s, 1),
        }
    }

    /// The cheapest plan for `f` under `m`.
    pub fn plan(&self, f: &Filter, m: &CostModel) -> Plan {
        assert!(self.rows >= 0.0 && self.span_s > 0.0, "bad table");
        let (touched_s, partitions) = self.touched(f.window_s);
        let touched_share = (touched_s / self.span_s).min(1.0);
        let window_share = f.window_s.map_or(1.0, |w| (w / self.span_s).min(1.0));
        let eq_share: f64 = f.eq.iter().map(|e| e.1).product();
        let rows_matched = self.rows * eq_share * window_share;
        let rows_touched = self.rows * touched_share;
        let mut best = Plan {
            scan: ScanKind::SeqScan,
            partitions,
            rows_read: rows_touched,
            rows_matched,
            cpu_us: m.per_query_us + rows_touched * m.seq_row_us,
        };
        for (i, cols) in self.indexes.iter().enumerate() {
            // The usable prefix: equality columns, then at most one range column.
            let mut share = 1.0;
            let mut used = 0;
            let mut ranged = false;
            for c in cols {
                if let Some(e) = f.eq.iter().find(|e| &e.0 == c) {
                    share *= e.1;
                    used += 1;
                } else if *c == self.time_column && f.window_s.is_some() {
                    share *= window_share;
                    used += 1;
                    ranged = true;
                    break;
                } else {
                    break;
                }
            }
            if used == 0 {
                continue;
            }
            if !ranged {
                share *= touched_share;
            }
            let rows_read = self.rows * share;
            let per_partition = (rows_touched / partitions as f64).max(2.0);
            let descend = partitions as f64 * per_partition.log2() * m.index_level_us;
            let cpu_us = m.per_query_us + descend + rows_read * m.index_row_us;
            if cpu_us < best.cpu_us {
                best = Plan {
                    scan: ScanKind::IndexScan(i),
                    partitions,
                    rows_read,
                    rows_matched,
                    cpu_us,
                };
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: f64 = 86_400.0;

    fn telemetry(indexes: &[&[&str]], partition_s: Option<f64>) -> TableStats {
        TableStats {
            rows: 1e8,
            span_s: 365.0 * DAY,
            partition_s,
            newest_partition_filled_s: 15.0 * DAY,
            indexes: indexes
                .iter()
                .map(|c| c.iter().map(|s| s.to_string()).collect())
                .collect(),
            time_column: "timestamp".into(),
        }
    }

    fn recent_failures() -> Filter {
        Filter {
            eq: vec![("status".into(), 0.002)],
            window_s: Some(3.0 * DAY),
        }
    }

    #[test]
    fn without_an_index_every_row_is_read() {
        let p = telemetry(&[], None).plan(&recent_failures(), &CostModel::default());
        assert_eq!(p.scan, ScanKind::SeqScan);
        assert_eq!(p.rows_read, 1e8);
        assert!((p.cpu_us - (200.0 + 1e6)).abs() < 1e-6);
    }

    #[test]
    fn a_composite_index_reads_only_the_rows_matched() {
        let m = CostModel::default();
        let f = recent_failures();
        let both = telemetry(&[&["status", "timestamp"]], None).plan(&f, &m);
        assert_eq!(both.scan, ScanKind::IndexScan(0));
        assert!((both.rows_read - both.rows_matched).abs() < 1e-6);
        let status = telemetry(&[&["status"]], None).plan(&f, &m);
        assert!((status.rows_read - 2e5).abs() < 1e-6);
        let none = telemetry(&[], None).plan(&f, &m);
        assert!(both.cpu_us < status.cpu_us && status.cpu_us < none.cpu_us);
        // Seek cost grows with log2 of the rows, not with the rows.
        let mut big = telemetry(&[&["status", "timestamp"]], None);
        big.rows = 1e9;
        big.span_s *= 10.0;
        let bigger = big.plan(&f, &m);
        assert!(bigger.cpu_us < both.cpu_us * 1.1);
    }

    #[test]
    fn an_index_whose_first_column_is_not_filtered_is_not_used() {
        let p = telemetry(&[&["timestamp", "status"]], None).plan(
            &Filter {
                eq: vec![("status".into(), 0.5)],
                window_s: None,
            },
            &CostModel::default(),
        );
        assert_eq!(p.scan, ScanKind::SeqScan);
    }

    #[test]
    fn monthly_partitions_bound_the_rows_a_time_filter_reads() {
        let month = 365.0 * DAY / 12.0;
        let m = CostModel::default();
        let p = telemetry(&[], Some(month)).plan(&recent_failures(), &m);
        assert_eq!(p.partitions, 1);
        assert!((p.rows_read - 1e8 * 15.0 / 365.0).abs() < 1.0);
        // A window reaching back past the newest partition touches one more.
        let wide = Filter {
            window_s: Some(20.0 * DAY),
            ..recent_failures()
        };
        let p2 = telemetry(&[], Some(month)).plan(&wide, &m);
        assert_eq!(p2.partitions, 2);
        assert!(p2.rows_read > p.rows_read);
    }
}
