//! Machines shared by the tests of the lifecycle workspace.
