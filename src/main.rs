use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = <pglint::cli::Cli as clap::Parser>::parse();
    ExitCode::from(pglint::lint::run(cli))
}
