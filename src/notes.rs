//! What a stream tells its user besides its output: warnings, notes, an
//! LLM's reasoning with `--reasoning`. Where they go is the caller's
//! choice: the single-stream command prints them on stderr, a caller that
//! runs many streams can keep or drop them. A stream never writes to the
//! process's stderr itself.

use std::fmt;
use std::sync::Arc;

/// Where a stream's messages go; cheap to clone, one handle per part of
/// the stream that speaks.
#[derive(Clone)]
pub struct Notes(Arc<dyn Fn(fmt::Arguments<'_>) + Send + Sync>);

impl Notes {
    /// Messages go to `to`.
    pub fn new(to: impl Fn(fmt::Arguments<'_>) + Send + Sync + 'static) -> Notes {
        Notes(Arc::new(to))
    }

    /// Messages go nowhere.
    pub fn silent() -> Notes {
        Notes::new(|_| {})
    }

    pub fn say(&self, message: fmt::Arguments<'_>) {
        (self.0)(message)
    }
}

impl fmt::Debug for Notes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Notes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn messages_go_where_the_caller_says() {
        let kept = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&kept);
        let notes = Notes::new(move |message| sink.lock().unwrap().push(message.to_string()));
        notes.clone().say(format_args!("a {}", 1));
        notes.say(format_args!("b"));
        Notes::silent().say(format_args!("nowhere"));
        assert_eq!(*kept.lock().unwrap(), ["a 1", "b"]);
    }
}
