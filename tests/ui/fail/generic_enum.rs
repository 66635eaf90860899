// A generic enum is rejected at its first generic parameter.
use lifecycle_model::Lifecycle;

#[derive(Lifecycle, Clone, Copy, Debug, PartialEq, Eq)]
#[lifecycle(event(open: Closed -> Opened), event(close: Opened -> Closed))]
enum Door<T> {
    #[lifecycle(initial)]
    Closed,
    Opened,
    Marker(core::marker::PhantomData<T>),
}

fn main() {}
