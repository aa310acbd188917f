package neigh

import (
	"syscall"

	"github.com/softnet/softnet/extack"
)

func extackErrno(err error) string {
	if err == nil {
		return "nil"
	}
	switch extack.ErrnoOf(err) {
	case syscall.EPERM:
		return "EPERM"
	case syscall.EINVAL:
		return "EINVAL"
	case syscall.ENOENT:
		return "ENOENT"
	case syscall.EEXIST:
		return "EEXIST"
	case syscall.ENOBUFS:
		return "ENOBUFS"
	case syscall.EOPNOTSUPP:
		return "EOPNOTSUPP"
	}
	return err.Error()
}
