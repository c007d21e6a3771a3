//! Wrappers some endpoints put around their answer.

use serde::Deserialize;

/// `{"data": …}`.
#[derive(Deserialize)]
pub(crate) struct Data<T> {
    pub(crate) data: T,
}
