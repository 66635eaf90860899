// One object, two lifecycles: a handle typed by one machine's state has none of the other
// machine's events.
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
        run: JobPhase::Pending,
        upload: UploadPhase::Queued,
    };
    let pending: Typed<Job, job_phase::Pending> = Typed::try_new(job).unwrap();
    let _ = pending.send();
}
