//! `integ import openapi FILE [--operation ID].. [--tag TAG] [--provider NAME] [-o DIR]
//! [--force]`: write one `integ/v1` Action per selected OpenAPI operation
//! (`integ-openapi` does the work; docs/import.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use integ_openapi::{OpenApi, Options};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    source: Source,
}

#[derive(clap::Subcommand)]
enum Source {
    /// Write an Action for each operation of an OpenAPI 3 file (JSON or YAML).
    Openapi(OpenapiArgs),
}

#[derive(clap::Args)]
struct OpenapiArgs {
    /// The OpenAPI 3 document.
    file: PathBuf,
    /// Import only this operation (its operationId); repeatable. Default: every operation.
    #[arg(long = "operation", value_name = "OPERATION_ID")]
    operations: Vec<String>,
    /// Import only the operations with this tag.
    #[arg(long, value_name = "TAG")]
    tag: Option<String>,
    /// `spec.provider` of the actions. Default: the provider of `DIR/../provider.yaml`.
    #[arg(long, value_name = "NAME")]
    provider: Option<String>,
    /// Name an operation's action yourself instead of the snake_case of its id; repeatable.
    #[arg(long = "name", value_name = "OPERATION_ID=NAME")]
    names: Vec<String>,
    /// Directory to write `<name>.yaml` files into (created if missing).
    #[arg(short, long = "output", value_name = "DIR", default_value = ".")]
    output: PathBuf,
    /// Overwrite files that exist.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> ExitCode {
    match args.source {
        Source::Openapi(args) => openapi(args),
    }
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_USAGE)
}

fn openapi(args: OpenapiArgs) -> ExitCode {
    let mut names = std::collections::BTreeMap::new();
    for pair in &args.names {
        match pair.split_once('=') {
            Some((id, name)) if !id.is_empty() && !name.is_empty() => {
                names.insert(id.to_owned(), name.to_owned());
            }
            _ => return usage(format!("--name `{pair}`: write OPERATION_ID=NAME")),
        }
    }
    let provider = match args.provider {
        Some(p) => p,
        None => match provider_beside(&args.output) {
            Ok(p) => p,
            Err(message) => return usage(message),
        },
    };
    let api = match OpenApi::load(&args.file) {
        Ok(api) => api,
        Err(e) => return usage(e),
    };
    let options = Options {
        operations: args.operations,
        tag: args.tag.clone(),
        provider,
        names,
        schema: schema_ref(&args.output),
    };
    let generated = match api.import(&options) {
        Ok(g) => g,
        Err(e) => return usage(e),
    };
    if generated.is_empty() {
        let mut message = "no operation matched".to_owned();
        if let Some(tag) = &args.tag {
            message = format!("no operation has the tag `{tag}`");
            let operations = api.operations();
            let mut tags: Vec<&str> = operations
                .iter()
                .flat_map(|o| o.tags.iter().map(String::as_str))
                .collect();
            tags.sort_unstable();
            tags.dedup();
            // Tags are matched exactly; the suggestion ignores case (`notes` -> `Notes`).
            let lower: Vec<String> = tags.iter().map(|t| t.to_lowercase()).collect();
            let close = integ_spec::suggest::did_you_mean(
                &tag.to_lowercase(),
                lower.iter().map(String::as_str),
            );
            if let Some(i) = close.and_then(|c| lower.iter().position(|l| l == c)) {
                message.push_str(&format!("; did you mean `{}`?", tags[i]));
            } else if let Some(i) = lower.iter().position(|l| *l == tag.to_lowercase()) {
                message.push_str(&format!("; did you mean `{}`?", tags[i]));
            }
        }
        eprintln!("{message}");
        return ExitCode::from(EXIT_FINDINGS);
    }
    match integ_openapi::write(&generated, &args.output, args.force) {
        Ok(paths) => {
            for path in &paths {
                eprintln!("wrote {}", path.display());
            }
            eprintln!(
                "imported {} operation{} from {}",
                paths.len(),
                if paths.len() == 1 { "" } else { "s" },
                args.file.display()
            );
            ExitCode::from(EXIT_OK)
        }
        Err(e) => usage(e),
    }
}

/// The name of the provider in `DIR/../provider.yaml` (the `specs/<provider>/actions/`
/// layout), when there is exactly one.
fn provider_beside(dir: &Path) -> Result<String, String> {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let missing = || "say which provider the actions belong to with --provider NAME".to_owned();
    let Some(file) = absolute
        .parent()
        .map(|p| p.join("provider.yaml"))
        .filter(|f| f.is_file())
    else {
        return Err(missing());
    };
    let loaded = integ_spec::load_paths(std::slice::from_ref(&file)).map_err(|e| e.to_string())?;
    match loaded.workspace.providers.as_slice() {
        [one] => Ok(one.doc.metadata.name.clone()),
        _ => Err(format!(
            "{} does not hold exactly one valid provider; {}",
            file.display(),
            missing()
        )),
    }
}

/// The `$schema=` of the generated files: `schemas/action.schema.json` of the nearest
/// ancestor of `dir` that has one, relative to `dir`; else the path that fits the
/// `specs/<provider>/actions/` layout.
fn schema_ref(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    for (up, ancestor) in absolute.ancestors().enumerate() {
        if ancestor.join("schemas/action.schema.json").is_file() {
            return format!("{}schemas/action.schema.json", "../".repeat(up));
        }
    }
    "../../../schemas/action.schema.json".to_owned()
}
