//! What can go wrong between the controllers and a cluster.

use crate::ClientError;

/// What can go wrong between the controllers and a cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No client could be made for the cluster asked for.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A request to the API server failed.
    #[error("{action} failed")]
    Request {
        /// What was asked, e.g. `patching Vertex/simple-in`.
        action: String,
        /// The API server's or the transport's error.
        #[source]
        source: kube::Error,
    },
}

/// The result of the controllers' reads and writes.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A failed request, with what was asked.
    pub fn request(action: impl Into<String>) -> impl FnOnce(kube::Error) -> Error {
        let action = action.into();
        move |source| Error::Request { action, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifecycle_model::runtime::error_chain;

    fn conflict() -> kube::Error {
        kube::Error::Api(Box::new(
            kube::core::Status::failure("the object has been modified", "Conflict").with_code(409),
        ))
    }

    #[test]
    fn request_errors_say_what_was_asked() {
        let error = Error::request("patching Vertex/simple-in")(conflict());
        assert_eq!(error.to_string(), "patching Vertex/simple-in failed");
        assert!(
            matches!(&error, Error::Request { source: kube::Error::Api(s), .. } if s.code == 409)
        );
        assert!(error_chain(&error).starts_with("patching Vertex/simple-in failed: "));
    }
}
