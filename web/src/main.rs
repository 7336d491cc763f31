//! The `lis` binary: wiring only; every command lives in `lis_web::cli`.

/// mimalloc instead of the C library's allocator: ingesting a message allocates many short
/// strings (values, check sentences, JSON) and SQLite allocates per statement; the ingest bench
/// uses the same allocator (core/README.md has the measurement).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    lis_web::cli::main()
}
