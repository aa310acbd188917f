// Package extack holds softnet's control-plane error: an errno class plus an
// optional human message, the pair Linux returns through netlink as the
// error code and the extended ack (include/linux/netlink.h NL_SET_ERR_MSG).
//
// iproute2 prints an error with a message as "Error: <msg>." and one without
// as "RTNETLINK answers: <strerror(errno)>"; package iproute does the same
// with these values.
package extack

import (
	"errors"
	"fmt"
	"syscall"
)

// Error is a control-plane error with an errno class and an extack message.
type Error struct {
	Errno syscall.Errno
	Msg   string // extack message, may be empty
}

// Error returns the message, or the errno's text when there is none.
func (e *Error) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	return Strerror(e.Errno)
}

// Is makes errors.Is(err, syscall.EEXIST) work.
func (e *Error) Is(target error) bool {
	t, ok := target.(syscall.Errno)
	return ok && t == e.Errno
}

// New returns an error with an errno and an extack message.
func New(errno syscall.Errno, msg string) error { return &Error{Errno: errno, Msg: msg} }

// Errorf returns an error with an errno and a formatted extack message.
func Errorf(errno syscall.Errno, format string, args ...any) error {
	return &Error{Errno: errno, Msg: fmt.Sprintf(format, args...)}
}

// Errno returns an error carrying only an errno (no extack message).
func Errno(errno syscall.Errno) error { return &Error{Errno: errno} }

// ErrnoOf returns the errno class of err: the Error's, a bare
// syscall.Errno's, that of an error with an Errno() method, or EINVAL for
// anything else.
func ErrnoOf(err error) syscall.Errno {
	var e *Error
	if errors.As(err, &e) {
		return e.Errno
	}
	var n syscall.Errno
	if errors.As(err, &n) {
		return n
	}
	var x interface{ Errno() syscall.Errno }
	if errors.As(err, &x) {
		return x.Errno()
	}
	return syscall.EINVAL
}

// MessageOf returns the extack message of err, or "" if it has none.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}

// Strerror returns glibc's text for an errno ("File exists", "No such
// device"), which is what iproute2 prints after "RTNETLINK answers: ".
func Strerror(errno syscall.Errno) string {
	if s, ok := glibc[errno]; ok {
		return s
	}
	return errno.Error()
}

// glibc's wording where Go's differs or matters to output.
var glibc = map[syscall.Errno]string{
	syscall.EPERM:           "Operation not permitted",
	syscall.ENOENT:          "No such file or directory",
	syscall.ESRCH:           "No such process",
	syscall.EINVAL:          "Invalid argument",
	syscall.EEXIST:          "File exists",
	syscall.ENODEV:          "No such device",
	syscall.ENOBUFS:         "No buffer space available",
	syscall.ENETUNREACH:     "Network is unreachable",
	syscall.EHOSTUNREACH:    "No route to host",
	syscall.EOPNOTSUPP:      "Operation not supported",
	syscall.EAFNOSUPPORT:    "Address family not supported by protocol",
	syscall.EADDRNOTAVAIL:   "Cannot assign requested address",
	syscall.EBUSY:           "Device or resource busy",
	syscall.ERANGE:          "Numerical result out of range",
	syscall.ENOMEM:          "Cannot allocate memory",
	syscall.ENOSPC:          "No space left on device",
	syscall.ENETDOWN:        "Network is down",
	syscall.EMSGSIZE:        "Message too long",
	syscall.EACCES:          "Permission denied",
	syscall.EPROTONOSUPPORT: "Protocol not supported",
	syscall.ENOTCONN:        "Transport endpoint is not connected",
}
