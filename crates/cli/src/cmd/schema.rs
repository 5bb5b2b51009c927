//! `integ schema [--check]`: write the JSON Schemas generated from the spec model, or
//! check that the committed ones are current.

use std::path::PathBuf;
use std::process::ExitCode;

use integ_spec::schema;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct Args {
    /// Exit 1 if the files in DIR differ from the generated schemas (write nothing).
    #[arg(long)]
    check: bool,
    /// Where the schema files live.
    #[arg(long, default_value = "schemas")]
    dir: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    if args.check {
        let stale = schema::check_dir(&args.dir);
        if stale.is_empty() {
            outln!("ok: the schemas in {} are current", args.dir.display());
            return ExitCode::from(EXIT_OK);
        }
        for path in &stale {
            eprintln!("error: {} is missing or out of date", path.display());
        }
        eprintln!("help: run `integ schema` and commit the result");
        return ExitCode::from(EXIT_FINDINGS);
    }
    match schema::write_dir(&args.dir) {
        Ok(paths) => {
            for p in paths {
                outln!("wrote {}", p.display());
            }
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", args.dir.display());
            ExitCode::from(EXIT_USAGE)
        }
    }
}
