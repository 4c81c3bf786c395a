//! How long-running use cases report progress, without knowing about terminals.

/// Receives progress of a long operation. The CLI draws bars; tests ignore it.
pub trait Progress {
    /// Starts a phase with a total (bytes, days, …) and a unit name.
    fn start(&mut self, label: &str, total: u64, unit: &str);
    /// Sets the position within the current phase.
    fn set(&mut self, position: u64);
    /// Ends the current phase with a closing message.
    fn finish(&mut self, message: &str);
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {
    fn start(&mut self, _label: &str, _total: u64, _unit: &str) {}
    fn set(&mut self, _position: u64) {}
    fn finish(&mut self, _message: &str) {}
}
