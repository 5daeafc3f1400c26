//! The engine's architecture invariants, checked on its source text
//! (ARCHITECTURE.md, "Code map"):
//! - `sim` never imports a web crate, never reads the wall clock or OS
//!   randomness, and never names a scenario;
//! - the engine's files import each other without a cycle: a part's state
//!   machine and its store never name `World`; the glue that does (`impl
//!   World`) is imported by no other file.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, in a fixed order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("readable dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out
}

fn sim_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sim")
}

/// The module path of a file under `src/sim` (`calls::breaker` for
/// `calls/breaker.rs`, `calls` for `calls/mod.rs`).
fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix(sim_dir()).expect("under src/sim");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The source without test modules: the invariants are about what the
/// engine itself imports (a test may build a whole world).
fn without_tests(src: &str) -> String {
    let mut out = String::new();
    let mut lines = src.lines();
    while let Some(l) = lines.next() {
        if l.trim() == "#[cfg(test)]" {
            // Skip the item that follows: one line (`mod tests;`) or a block.
            if let Some(next) = lines.next() {
                if next.trim_end().ends_with('{') {
                    let indent = next.len() - next.trim_start().len();
                    let close = format!("{}}}", " ".repeat(indent));
                    for l2 in lines.by_ref() {
                        if l2 == close {
                            break;
                        }
                    }
                }
            }
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// The engine modules a file's non-test code names: every path
/// `crate::sim::a::b::…` (module `a::b` when that is a file, else `a`; the
/// engine's root for `crate::sim::{…}`) and `super::x::…` relative to the
/// file's own module.
fn imports(module: &str, src: &str, modules: &BTreeMap<String, PathBuf>) -> Vec<String> {
    let mut out = Vec::new();
    let parent: Vec<&str> = {
        let mut p: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
        p.pop();
        p
    };
    for line in without_tests(src).lines() {
        let code = line.split("//").next().unwrap_or("");
        for (prefix, base) in [("crate::sim::", Vec::new()), ("super::", parent.clone())] {
            let mut rest = code;
            while let Some(i) = rest.find(prefix) {
                // Not part of a longer path (`crate::sim::` contains no `super::`).
                let before = &rest[..i];
                rest = &rest[i + prefix.len()..];
                if prefix == "super::" && before.ends_with("::") {
                    continue;
                }
                // The path: identifiers joined by `::`, up to the first other
                // character (`as`, `;`, `{`, a space).
                let ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
                let end = rest.find(|c: char| !ident(c)).unwrap_or(rest.len());
                let segs: Vec<&str> = rest[..end].split("::").filter(|x| !x.is_empty()).collect();
                let mut full: Vec<&str> = base.clone();
                full.extend(&segs);
                let found = (0..=full.len())
                    .rev()
                    .map(|n| full[..n].join("::"))
                    .find(|m| modules.contains_key(m));
                if let Some(m) = found {
                    out.push(m);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_engine_never_imports_a_web_crate_the_wall_clock_or_a_scenario() {
    let banned = [
        "leptos",
        "web_sys",
        "wasm_bindgen",
        "js_sys",
        "std::time::Instant",
        "SystemTime",
        "getrandom",
        "thread_rng",
        "crate::scenarios",
        "crate::ui",
    ];
    for f in rust_files(&sim_dir()) {
        let src = without_tests(&fs::read_to_string(&f).expect("readable"));
        for b in banned {
            assert!(
                !src.contains(b),
                "{} names `{b}`: the engine must stay free of it",
                f.display()
            );
        }
    }
}

#[test]
fn the_engine_files_import_each_other_without_a_cycle() {
    let files = rust_files(&sim_dir());
    let modules: BTreeMap<String, PathBuf> =
        files.iter().map(|f| (module_of(f), f.clone())).collect();
    let graph: BTreeMap<String, Vec<String>> = modules
        .iter()
        .map(|(m, f)| {
            let src = fs::read_to_string(f).expect("readable");
            let deps = imports(m, &src, &modules)
                .into_iter()
                .filter(|d| d != m)
                .collect();
            (m.clone(), deps)
        })
        .collect();
    // Depth-first search, reporting the first cycle found as a path.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = graph.keys().map(|k| (k.as_str(), Mark::New)).collect();
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, Vec<String>>,
        mark: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        mark.insert(m, Mark::Open);
        path.push(m);
        for d in &graph[m] {
            match mark.get(d.as_str()).copied().unwrap_or(Mark::Done) {
                Mark::Open => {
                    let start = path.iter().position(|p| *p == d).expect("on path");
                    let mut c: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                    c.push(d.clone());
                    return Some(c);
                }
                Mark::New => {
                    if let Some(c) = visit(d, graph, mark, path) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        mark.insert(m, Mark::Done);
        None
    }
    let keys: Vec<String> = graph.keys().cloned().collect();
    for k in &keys {
        if mark[k.as_str()] == Mark::New {
            let mut path = Vec::new();
            if let Some(c) = visit(k, &graph, &mut mark, &mut path) {
                panic!("import cycle in the engine: {}", c.join(" -> "));
            }
        }
    }
}

#[test]
fn no_engine_file_imports_world_glue() {
    // A file with `impl World` is glue: the world reaches it through its
    // methods, so no other file needs to import it.
    let files = rust_files(&sim_dir());
    let modules: BTreeMap<String, PathBuf> =
        files.iter().map(|f| (module_of(f), f.clone())).collect();
    let glue: Vec<String> = modules
        .iter()
        .filter(|(m, f)| {
            m.as_str() != "kernel::world"
                && without_tests(&fs::read_to_string(f).expect("readable"))
                    .contains("\nimpl World {")
        })
        .map(|(m, _)| m.clone())
        .collect();
    assert!(glue.len() > 10, "found only {} glue files", glue.len());
    for (m, f) in &modules {
        let src = fs::read_to_string(f).expect("readable");
        for d in imports(m, &src, &modules) {
            assert!(
                !glue.contains(&d) || d == *m,
                "{m} imports {d}, which is world glue (impl World): move what it needs into a part or store file"
            );
        }
    }
}
