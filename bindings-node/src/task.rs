//! Work that runs off the JavaScript thread, on libuv's thread pool.

use napi::bindgen_prelude::{ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::error::{guard, rejection, BindingError};

type Work<T> = Box<dyn FnOnce() -> Result<T, BindingError> + Send>;

/// One call into the core, run on the thread pool; its result is converted to
/// JavaScript on the JS thread, its error rejects the promise with a coded error.
pub struct Job<T, J> {
    work: Option<Work<T>>,
    to_js: fn(T) -> J,
}

impl<T, J> Job<T, J> {
    /// `work` runs on the thread pool (panics are caught), `to_js` on the JS thread.
    pub(crate) fn new(
        work: impl FnOnce() -> Result<T, BindingError> + Send + 'static,
        to_js: fn(T) -> J,
    ) -> Self {
        Job {
            work: Some(Box::new(work)),
            to_js,
        }
    }
}

impl<T, J> Task for Job<T, J>
where
    T: Send + 'static,
    J: ToNapiValue + TypeName,
{
    type Output = Result<T, BindingError>;
    type JsValue = J;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(match self.work.take() {
            Some(work) => guard(work),
            None => Err(BindingError::Internal("task computed twice".into())),
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<J> {
        match output {
            Ok(value) => Ok((self.to_js)(value)),
            Err(e) => Err(rejection(&env, e)),
        }
    }
}
