//! TODO(helper): dialect module being written.

use super::Turn;
use crate::sse::Event;

pub fn read(_event: &Event<'_>, _turn: &mut Turn) {}
