use std::process::ExitCode;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = <pglint::cli::Cli as clap::Parser>::parse();
    ExitCode::from(pglint::lint::run(cli))
}
