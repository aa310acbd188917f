package iproute

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/softnet/softnet/extack"
)

// exitError is a command failure with iproute2's message and exit status.
type exitError struct {
	code int
	msg  string // written to stderr as is
}

func (e *exitError) Error() string { return e.msg }

// fail returns an error that prints msg (a newline is added) and exits code.
func fail(code int, format string, args ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, args...) + "\n"}
}

// usageErr is an error that prints a usage text and exits 255.
func usageErr(text string) error { return &exitError{code: 255, msg: text} }

// The parse errors of iproute2's lib/utils.c; all exit(-1).

func invarg(msg, arg string) error {
	return fail(255, "Error: argument \"%s\" is wrong: %s", arg, msg)
}

func duparg(key, arg string) error {
	return fail(255, "Error: duplicate \"%s\": \"%s\" is the second value.", key, arg)
}

func duparg2(key, arg string) error {
	return fail(255, "Error: either \"%s\" is duplicate, or \"%s\" is a garbage.", key, arg)
}

func missarg(key string) error {
	return fail(255, "Error: argument \"%s\" is required", key)
}

func incomplete() error {
	return fail(255, "Command line is not complete. Try option \"help\"")
}

func noDevice(name string) error {
	return fail(1, "Cannot find device \"%s\"", name)
}

// kernelError is how iproute2 reports an error from the kernel (extack):
// "Error: <msg>." with a message, "RTNETLINK answers: <strerror>" without;
// exit status 2.
func kernelError(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee
	}
	if msg := extack.MessageOf(err); msg != "" {
		return fail(2, "Error: %s.", msg)
	}
	errno := extack.ErrnoOf(err)
	if errno == 0 {
		errno = syscall.EINVAL
	}
	return fail(2, "RTNETLINK answers: %s", extack.Strerror(errno))
}

// report writes err to stderr and returns its exit status.
func report(err error, stderr writer) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		ee = kernelError(err).(*exitError)
	}
	_, _ = stderr.Write([]byte(ee.msg))
	return ee.code
}

type writer interface{ Write([]byte) (int, error) }
