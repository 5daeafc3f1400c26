//! `lab`: run the lab's scenarios from the command line. See `lab help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    use resilience_lab::cli;
    let args = match cli::args_from_os(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(line) => {
            eprintln!("lab: {}", cli::clean_message(&line));
            return ExitCode::from(2);
        }
    };
    match cli::main_with(&args) {
        Ok(out) => {
            for (path, contents) in &out.files {
                if let Err(e) = std::fs::write(path, contents) {
                    eprintln!(
                        "lab: {}",
                        cli::clean_message(&format!("cannot write '{path}': {e}"))
                    );
                    return ExitCode::from(1);
                }
            }
            print!("{}", out.stdout);
            ExitCode::SUCCESS
        }
        Err(line) => {
            eprintln!("lab: {}", cli::clean_message(&line));
            ExitCode::from(2)
        }
    }
}
