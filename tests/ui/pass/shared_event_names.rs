// Two machines in one module share event names (`fail`, `retry`), and one object carries
// both lifecycles: on each handle, `fail()` fires its own machine's event.
use lifecycle_model::{HasPhase, Lifecycle, Typed};

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = job_phase)]
#[lifecycle(event(start: Pending -> Running), event(fail: Pending | Running -> Failed))]
#[lifecycle(event(retry: Failed -> Pending))]
enum JobPhase {
    #[lifecycle(initial)]
    Pending,
    Running,
    Failed,
}

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(module = upload_phase)]
#[lifecycle(event(send: Queued -> Sending), event(fail: Queued | Sending -> Failed))]
#[lifecycle(event(retry: Failed -> Queued))]
enum UploadPhase {
    #[lifecycle(initial)]
    Queued,
    Sending,
    Failed,
}

/// A job that uploads its result: a lifecycle for each.
struct Job {
    run: JobPhase,
    upload: UploadPhase,
}

impl HasPhase<JobPhase> for Job {
    fn phase(&self) -> Option<JobPhase> {
        Some(self.run)
    }
    fn set_phase(&mut self, phase: JobPhase) {
        self.run = phase;
    }
}

impl HasPhase<UploadPhase> for Job {
    fn phase(&self) -> Option<UploadPhase> {
        Some(self.upload)
    }
    fn set_phase(&mut self, phase: UploadPhase) {
        self.upload = phase;
    }
}

fn main() {
    let job = Job {
        run: JobPhase::Running,
        upload: UploadPhase::Sending,
    };
    let running: Typed<Job, job_phase::Running> = Typed::try_new(job).unwrap();
    let failed = running.fail();
    assert_eq!((failed.run, failed.upload), (JobPhase::Failed, UploadPhase::Sending));

    let sending: Typed<Job, upload_phase::Sending> = Typed::try_new(failed.into_inner()).unwrap();
    let failed = sending.fail();
    assert_eq!((failed.run, failed.upload), (JobPhase::Failed, UploadPhase::Failed));
    let queued = failed.retry();
    assert_eq!((queued.run, queued.upload), (JobPhase::Failed, UploadPhase::Queued));
}
