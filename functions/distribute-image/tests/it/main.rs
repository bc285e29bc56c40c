//! distribute-image, in one test binary: against the fake front's Image Builder through the real
//! SDK client.

mod distribute;
