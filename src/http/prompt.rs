//! `--prompt`: the streaming request a prompt makes in the API that the
//! URL's path names, or that `--dialect` names; the dialect modules write
//! the bodies (`wire::Api::request`), this says which API and what is
//! missing.

use reqwest::Url;

use crate::extract::wire::{self, Api, ApiHeaders, ModelField, Prompt};
use crate::extract::Dialect;
use crate::failure::Failure;

/// A prompt to send, and the API to send it in when the path names none
/// (`--dialect`).
#[derive(Debug, Clone, Copy)]
pub struct PromptInput<'a> {
    pub prompt: &'a Prompt,
    pub dialect: Option<Dialect>,
}

impl PromptInput<'_> {
    /// The body of the request to `url` and the headers its API requires:
    /// a usage error when no API is known there or the prompt does not fit
    /// the API.
    pub fn request(&self, url: &Url) -> Result<(Vec<u8>, ApiHeaders), Failure> {
        let api = self.api(url.path())?;
        match misfit(api, self.prompt) {
            Some(message) => Err(Failure::Usage(message)),
            None => Ok(api.request(self.prompt)),
        }
    }

    /// The API the path names, unless `--dialect` names another.
    fn api(&self, path: &str) -> Result<Api, Failure> {
        match (Api::for_path(path), self.dialect) {
            (Some(api), Some(dialect)) if api.dialect() != dialect => Ok(Api::of(dialect)),
            (Some(api), _) => Ok(api),
            (None, Some(dialect)) => Ok(Api::of(dialect)),
            (None, None) => Err(Failure::Usage(format!(
                "--prompt: no API is known at {path}; the known paths are {}, and --dialect \
                 picks the API for another",
                wire::PATHS
            ))),
        }
    }
}

/// What the prompt lacks that `api` needs, or has that it has no place for.
fn misfit(api: Api, prompt: &Prompt) -> Option<String> {
    let name = api.dialect().name();
    let model = match (api.model_field(), &prompt.model) {
        (ModelField::Required, None) => Some(format!("--prompt: the {name} API needs --model")),
        (ModelField::InPath, Some(_)) => Some(
            "--model: the gemini API takes the model from the URL \
             (/v1beta/models/MODEL:streamGenerateContent?alt=sse); leave --model out"
                .to_owned(),
        ),
        (ModelField::Absent, Some(_)) => Some(format!(
            "--model: the {name} API serves one model and names none; leave --model out"
        )),
        _ => None,
    };
    let system = (prompt.system.is_some() && !api.takes_system()).then(|| {
        format!("--system: the {name} API takes one prompt text; put the system prompt in --prompt")
    });
    model.or(system)
}
