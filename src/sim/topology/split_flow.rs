//! The world's side of [`split`](super::split): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::split::*;
use crate::sim::kernel::decimal::fixed;
use crate::sim::kernel::ids::ClientId;
use crate::sim::kernel::ids::SplitId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::world::World;
use crate::sim::traffic::client::{ClientSpec, Ledger};

impl World {
    /// Adds a split; returns its index.
    pub fn add_split(&mut self, spec: SplitSpec) -> SplitId {
        let shares = normalised(&spec.targets.iter().map(|t| t.share).collect::<Vec<_>>());
        let mut clients = Vec::new();
        for (t, share) in spec.targets.iter().zip(shares) {
            let mut c = ClientSpec::new(
                &format!("{}.{}", spec.name, t.label),
                spec.rate_rps * share,
                t.service,
                t.handler,
            )
            .weight(spec.weight);
            c.timeout_us = spec.timeout_us;
            clients.push(self.add_client(c));
        }
        self.topology.splits.push(Split { spec, clients });
        SplitId::new(self.topology.splits.len() - 1)
    }

    /// Moves traffic: new shares, one per target, from now on. Logged.
    pub fn set_split_shares(&mut self, split: SplitId, shares: &[f64]) {
        let sp = &mut self.topology.splits[split.index()];
        assert_eq!(shares.len(), sp.spec.targets.len(), "one share per target");
        for (t, s) in sp.spec.targets.iter_mut().zip(shares) {
            t.share = *s;
        }
        let text = format!(
            "Traffic shifted: {}",
            sp.spec
                .targets
                .iter()
                .zip(normalised(shares))
                .map(|(t, s)| format!("{} {} %", t.label, fixed(s * 100.0, 0)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.apply_split_rates(split);
        self.note(LogLevel::Warn, text, true);
    }

    /// Changes a split's total rate from now on, keeping its shares.
    pub fn set_split_rate(&mut self, split: SplitId, rate_rps: f64) {
        self.topology.splits[split.index()].spec.rate_rps = rate_rps;
        self.apply_split_rates(split);
    }

    fn apply_split_rates(&mut self, split: SplitId) {
        let sp = &self.topology.splits[split.index()];
        let shares = normalised(&sp.spec.targets.iter().map(|t| t.share).collect::<Vec<_>>());
        let rates: Vec<(ClientId, f64)> = sp
            .clients
            .iter()
            .zip(shares)
            .map(|(c, s)| (*c, sp.spec.rate_rps * s))
            .collect();
        for (c, rate) in rates {
            self.set_client_rate(c, rate);
        }
    }

    /// The split's ledger: its populations' ledgers summed.
    pub fn split_ledger(&self, split: SplitId) -> Ledger {
        let mut l = Ledger::default();
        for c in &self.topology.splits[split.index()].clients {
            l.add(&self.traffic.clients[(*c).index()].ledger);
        }
        l
    }

    /// The split's populations, in target order.
    pub fn split_clients(&self, split: SplitId) -> &[ClientId] {
        &self.topology.splits[split.index()].clients
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Dist, Handler, ServiceSpec, Step, WorldConfig, SEC};

    #[test]
    fn shares_split_the_stream_and_shifting_moves_it() {
        let mut w = World::new(3, WorldConfig::default());
        let target = |w: &mut World, name: &str| {
            let s = w.add_service(ServiceSpec::new(name, 1, 100));
            let h = w.add_handler(Handler::new(
                "h",
                s,
                vec![Step::Work(Dist::Constant { ms: 1.0 })],
            ));
            (s, h)
        };
        let (g, gh) = target(&mut w, "green");
        let (b, bh) = target(&mut w, "blue");
        let t = |label: &str, service, handler, share| SplitTarget {
            label: label.into(),
            service,
            handler,
            share,
        };
        let sp = w.add_split(SplitSpec {
            name: "gw".into(),
            rate_rps: 1_000.0,
            targets: vec![t("green", g, gh, 3.0), t("blue", b, bh, 1.0)],
            timeout_us: None,
            weight: 1,
        });
        w.step(100 * SEC);
        let [cg, cb] = [0, 1].map(|i| w.split_clients(sp)[i].index());
        let green = w.traffic.clients[cg].ledger.arrived as f64;
        let blue = w.traffic.clients[cb].ledger.arrived as f64;
        assert!(
            (green / (green + blue) - 0.75).abs() < 0.01,
            "{green} {blue}"
        );
        w.set_split_shares(sp, &[0.0, 1.0]);
        w.step(200 * SEC);
        assert_eq!(w.traffic.clients[cg].ledger.arrived as f64, green);
        assert!(w.traffic.clients[cb].ledger.arrived as f64 > blue + 90_000.0);
        assert!(w.split_ledger(sp).balances());
    }
}
