//! `lab`: run the lab's scenarios from the command line. See `lab help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match resilience_lab::cli::main_with(&args) {
        Ok(out) => {
            for (path, contents) in &out.files {
                if let Err(e) = std::fs::write(path, contents) {
                    eprintln!("lab: cannot write '{path}': {e}");
                    return ExitCode::from(1);
                }
            }
            print!("{}", out.stdout);
            ExitCode::SUCCESS
        }
        Err(line) => {
            eprintln!("lab: {line}");
            ExitCode::from(2)
        }
    }
}
