package extack

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
)

func TestErrnoAndMessage(t *testing.T) {
	for _, tc := range []struct {
		err       error
		errno     syscall.Errno
		msg, text string
	}{
		{New(syscall.EINVAL, "mtu less than device minimum"), syscall.EINVAL, "mtu less than device minimum", "mtu less than device minimum"},
		{Errno(syscall.EEXIST), syscall.EEXIST, "", "File exists"},
		{fmt.Errorf("wrapped: %w", Errno(syscall.ENODEV)), syscall.ENODEV, "", "wrapped: No such device"},
		{errors.New("plain"), syscall.EINVAL, "", "plain"},
		{syscall.EBUSY, syscall.EBUSY, "", "device or resource busy"},
	} {
		if got := ErrnoOf(tc.err); got != tc.errno {
			t.Errorf("ErrnoOf(%v) = %v, want %v", tc.err, got, tc.errno)
		}
		if got := MessageOf(tc.err); got != tc.msg {
			t.Errorf("MessageOf(%v) = %q, want %q", tc.err, got, tc.msg)
		}
		if got := tc.err.Error(); got != tc.text {
			t.Errorf("Error() = %q, want %q", got, tc.text)
		}
	}
	if !errors.Is(Errno(syscall.EEXIST), syscall.EEXIST) {
		t.Error("errors.Is does not see the errno")
	}
}
