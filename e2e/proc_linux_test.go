package e2e

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill cmd when the test process dies: a
// test binary killed by its timeout, or a fuzzing worker stopped by its
// coordinator, must not leave a duty server running.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
