//go:build !linux

package e2e

import "os/exec"

// dieWithParent is Linux's alone; elsewhere a killed test may leave its
// duty server running.
func dieWithParent(*exec.Cmd) {}
