//! Hostile share links: generates N fragments from a seed (`link_fuzz.rs`:
//! random bytes, huge numbers, repeated keys, long values, percent-encoding
//! tricks, `<script>` payloads, control characters), decodes each and checks
//! the result (no panic, at most MAX_PROBLEMS + 1 problems, each short and free
//! of control characters, a state that re-encodes to itself).
//!
//! Run: `cargo bench --profile native --bench link_fuzz [-- N [SEED]]`
//! (N defaults to 1,000,000, SEED to 1). Prints one line of JSON; exits
//! non-zero on the first failed check.

use std::process::ExitCode;
use std::time::Instant;

use resilience_lab::link_fuzz;

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; numbers are ours.
    let nums: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = nums.first().copied().unwrap_or(1_000_000);
    let seed = nums.get(1).copied().unwrap_or(1);
    let clock = Instant::now();
    match link_fuzz::run(n, seed) {
        Ok(t) => {
            let wall_s = clock.elapsed().as_secs_f64();
            println!(
                "{{\"fragments\": {}, \"seed\": {seed}, \"wall_s\": {wall_s:.3}, \"per_second\": {:.0}, \"states\": {}, \"most_problems\": {}, \"longest_problem_bytes\": {}}}",
                t.fragments,
                t.fragments as f64 / wall_s,
                t.states,
                t.most_problems,
                t.longest_problem
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("link_fuzz: {e}");
            ExitCode::FAILURE
        }
    }
}
