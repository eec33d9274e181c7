//! The writer given to [`Builder::console_writer`](super::Builder::console_writer), shared by
//! the console's span lines and its metrics summary.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use crate::recover::lock;

/// One writer behind a lock: each `write_all` (a span line, a summary table) reaches it whole.
#[derive(Clone)]
pub(super) struct SharedWriter(Arc<Mutex<Box<dyn Write + Send>>>);

impl SharedWriter {
    pub(super) fn new(writer: Box<dyn Write + Send>) -> Self {
        Self(Arc::new(Mutex::new(writer)))
    }

    /// A handle for one more exporter.
    pub(super) fn boxed(&self) -> Box<dyn Write + Send> {
        Box::new(self.clone())
    }
}

impl Write for SharedWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        lock(&self.0).write(bytes)
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        lock(&self.0).write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        lock(&self.0).flush()
    }
}
