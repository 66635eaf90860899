//! The business logic, state by state: what a database in each phase does next.

use std::collections::BTreeMap;
use std::ops::Deref;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ObjectMeta, Patch, PatchParams};
use kube::{Client, Resource, ResourceExt};
use lifecycle_model::Moved;
use lifecycle_model::runtime::{Cleanup, Reconcile, Step};

use crate::database::{Database, DatabasePhase, DatabasePhaseEvents, DatabasePhaseTyped};

/// The engine versions the operator can run.
pub const SUPPORTED_VERSIONS: &[&str] = &["14", "15", "16"];

/// Why `version` cannot be provisioned, if it cannot.
pub fn unsupported(version: &str) -> Option<String> {
    (!SUPPORTED_VERSIONS.contains(&version)).then(|| {
        format!(
            "version {version} is not supported; supported: {}",
            SUPPORTED_VERSIONS.join(", ")
        )
    })
}

/// The name of a database's instance.
pub fn instance_name(database: &Database) -> String {
    format!("{}-instance", database.name_any())
}

/// The operator's business logic, and the client it acts with.
pub struct Databases {
    /// Writes the instances.
    pub client: Client,
    /// The field manager of those writes.
    pub field_manager: String,
}

impl Reconcile<Database, DatabasePhase> for Databases {
    type Bridge = DatabasePhaseTyped<Database>;
    type Error = kube::Error;

    async fn reconcile(&self, database: Self::Bridge) -> Result<Step<DatabasePhase>, kube::Error> {
        use DatabasePhaseTyped as Db;
        Ok(match database {
            Db::Pending(db) => {
                Step::from(db.record().provision()).message("provisioning an instance")
            }
            Db::Provisioning(db) => match unsupported(&db.spec.version) {
                Some(why) => Step::from(db.record().fail()).message(why),
                None => self.serve(db.record().ready()).await?,
            },
            Db::Upgrading(db) => match unsupported(&db.spec.version) {
                Some(why) => Step::from(db.record().fail()).message(why),
                None => self.serve(db.record().ready()).await?,
            },
            Db::Ready(db) if db.spec.suspend => {
                self.remove(&db).await?;
                Step::from(db.record().suspend()).message("suspended; the instance is removed")
            }
            Db::Ready(db) if current_version(&db) != Some(&db.spec.version) => {
                let message = format!("upgrading to version {}", db.spec.version);
                Step::from(db.record().upgrade()).message(message)
            }
            Db::Ready(db) => {
                self.apply_instance(&db).await?;
                Step::stay()
            }
            Db::Suspended(db) if !db.spec.suspend => {
                Step::from(db.record().resume()).message("resuming")
            }
            Db::Failed(db) if unsupported(&db.spec.version).is_none() => {
                let message = format!("retrying with version {}", db.spec.version);
                Step::from(db.record().retry()).message(message)
            }
            Db::Suspended(_) | Db::Failed(_) | Db::Deleting(_) => Step::stay(),
        })
    }

    async fn cleanup(&self, database: &Database) -> Result<Cleanup, kube::Error> {
        self.remove(database).await?;
        Ok(Cleanup::Done)
    }
}

fn current_version(database: &Database) -> Option<&String> {
    database.status.as_ref()?.current_version.as_ref()
}

impl Databases {
    fn instances(&self, database: &Database) -> Api<ConfigMap> {
        let namespace = database.namespace().unwrap_or_else(|| "default".to_owned());
        Api::namespaced(self.client.clone(), &namespace)
    }

    /// Provisions or upgrades a database moved to `Ready`: the instance at its version,
    /// and the status fields that say so.
    async fn serve<H: Deref<Target = Database>>(
        &self,
        ready: Moved<H, DatabasePhase>,
    ) -> Result<Step<DatabasePhase>, kube::Error> {
        let database: &Database = &ready;
        self.apply_instance(database).await?;
        let (name, namespace) = (
            database.name_any(),
            database.namespace().unwrap_or_default(),
        );
        let spec = database.spec.clone();
        Ok(Step::from(ready)
            .message(format!(
                "version {} serving {} GiB",
                spec.version, spec.storage_gb
            ))
            .field("currentVersion", &spec.version)
            .field("endpoint", format!("{name}.{namespace}.svc:5432")))
    }

    /// The instance as the spec asks, by server-side apply.
    async fn apply_instance(&self, database: &Database) -> Result<(), kube::Error> {
        let instance = ConfigMap {
            metadata: ObjectMeta {
                name: Some(instance_name(database)),
                owner_references: database.controller_owner_ref(&()).map(|o| vec![o]),
                ..ObjectMeta::default()
            },
            data: Some(BTreeMap::from([
                ("version".to_owned(), database.spec.version.clone()),
                ("storageGb".to_owned(), database.spec.storage_gb.to_string()),
            ])),
            ..ConfigMap::default()
        };
        let params = PatchParams::apply(&self.field_manager).force();
        self.instances(database)
            .patch(&instance_name(database), &params, &Patch::Apply(&instance))
            .await
            .map(drop)
    }

    /// Removes the instance; one already gone is fine.
    async fn remove(&self, database: &Database) -> Result<(), kube::Error> {
        match self
            .instances(database)
            .delete(&instance_name(database), &DeleteParams::default())
            .await
        {
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            other => other.map(drop),
        }
    }
}
