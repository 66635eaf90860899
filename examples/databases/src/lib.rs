//! A database operator written only against `lifecycle-model`'s public API: the second
//! example operator, from a domain other than NumaFlow's.
//!
//! A `Database` (group `example.dev`) asks for an engine `version`, `storageGb` of
//! storage, and may be `suspend`ed. Its instance is a ConfigMap the operator owns. The
//! lifecycle, in `status.phase`:
//!
//! - `Pending` → `Provisioning` → `Ready`; an unsupported version makes provisioning
//!   `Failed`, and fixing the version retries it (`Failed` recovers);
//! - `Ready` → `Upgrading` → `Ready` when the version changes, `Ready` → `Suspended` →
//!   `Provisioning` when it is suspended and resumed;
//! - `storageGb` may change only while `Ready` (the `resize` action): the API server
//!   refuses it elsewhere, naming the phase;
//! - deleting it fires `delete` from any state, the instance is cleaned up, and only
//!   this operator's finalizer is released.
//!
//! Three rooms: [`database`] is the declaration, [`reconcile`] the per-state business
//! logic, [`operator`] (and the `database-operator` binary) the plumbing.

pub mod database;
pub mod operator;
pub mod reconcile;
