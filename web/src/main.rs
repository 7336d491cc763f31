//! The `lis` binary: wiring only; every command lives in `lis_web::cli`.

fn main() -> std::process::ExitCode {
    lis_web::cli::main()
}
