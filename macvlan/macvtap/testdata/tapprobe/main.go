// Command tapprobe records what Linux does with /dev/tapN: every TUN ioctl
// and write validation case softnet implements, and short reads. Build it
// static (CGO_ENABLED=0 go build in a copy of this directory), copy it into
// the kernel peer's share and run it in the guest on a macvtap over a veth:
//
//	ip link add v0 type veth peer name v1; ip link set v0 up; ip link set v1 up
//	ip link add link v0 name mvt0 address 02:00:00:00:00:55 type macvtap mode bridge
//	ip link set mvt0 up
//	/host/tapprobe /dev/tap$(cat /sys/class/net/mvt0/ifindex) $(cat /sys/class/net/v1/ifindex) 02:00:00:00:00:55
//
// docs/macvtap.md lists what Linux 6.1 answered.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

const (
	TUNSETIFF       = 0x400454ca
	TUNGETIFF       = 0x800454d2
	TUNSETQUEUE     = 0x400454d9
	TUNGETFEATURES  = 0x800454cf
	TUNSETSNDBUF    = 0x400454d4
	TUNGETVNETHDRSZ = 0x800454d7
	TUNSETVNETHDRSZ = 0x400454d8
	TUNSETOFFLOAD   = 0x400454d0
	TUNSETVNETLE    = 0x400454dc
	TUNGETVNETLE    = 0x800454dd
	TUNSETVNETBE    = 0x400454de
	TUNGETVNETBE    = 0x800454df
)

func ioctl(fd int, req uintptr, arg unsafe.Pointer) syscall.Errno {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	return e
}
func ioctlVal(fd int, req uintptr, v uintptr) syscall.Errno {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, v)
	return e
}

type ifreq struct {
	name  [16]byte
	flags uint16
	_     [22]byte
}

func setiff(fd int, flags uint16) syscall.Errno {
	var r ifreq
	r.flags = flags
	return ioctl(fd, TUNSETIFF, unsafe.Pointer(&r))
}

func getiff(fd int) (string, uint16, syscall.Errno) {
	var r ifreq
	e := ioctl(fd, TUNGETIFF, unsafe.Pointer(&r))
	n := 0
	for n < 16 && r.name[n] != 0 {
		n++
	}
	return string(r.name[:n]), r.flags, e
}

func setInt(fd int, req uintptr, v int32) syscall.Errno { return ioctl(fd, req, unsafe.Pointer(&v)) }
func getInt(fd int, req uintptr) (int32, syscall.Errno) {
	var v int32
	e := ioctl(fd, req, unsafe.Pointer(&v))
	return v, e
}

func hdr(flags, gsoType uint8, hdrLen, gsoSize, cs, co uint16) []byte {
	h := make([]byte, 10)
	h[0], h[1] = flags, gsoType
	binary.LittleEndian.PutUint16(h[2:], hdrLen)
	binary.LittleEndian.PutUint16(h[4:], gsoSize)
	binary.LittleEndian.PutUint16(h[6:], cs)
	binary.LittleEndian.PutUint16(h[8:], co)
	return h
}

func frame(et uint16, l4proto uint8, payload int) []byte {
	f := make([]byte, 14+20+20+payload)
	copy(f[0:6], []byte{2, 0, 0, 0, 0, 0x77})
	copy(f[6:12], []byte{2, 0, 0, 0, 0, 0x78})
	binary.BigEndian.PutUint16(f[12:], et)
	ip := f[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	ip[8], ip[9] = 64, l4proto
	copy(ip[12:], []byte{192, 0, 2, 1, 192, 0, 2, 2})
	ip[20+12] = 5 << 4
	return f
}

func w(fd int, name string, p []byte) {
	n, err := syscall.Write(fd, p)
	fmt.Printf("write %-40s n=%d err=%v\n", name, n, err)
}

func main() {
	path := os.Args[1]
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	name, fl, e := getiff(fd)
	fmt.Printf("TUNGETIFF default %q %#x %v\n", name, fl, e)
	f, e := getInt(fd, TUNGETFEATURES)
	fmt.Printf("TUNGETFEATURES %#x %v\n", f, e)
	for _, v := range []uint16{0x1002, 0x5002, 0x1102, 0x5102, 0x1001, 0x0002, 0x1000, 0x3002, 0x1012, 0x1802, 0} {
		e := setiff(fd, v)
		_, got, _ := getiff(fd)
		fmt.Printf("TUNSETIFF %#06x -> %v flags now %#x\n", v, e, got)
	}
	setiff(fd, 0x5002)
	for _, v := range []int32{0, -1, 1, 212992} {
		fmt.Printf("TUNSETSNDBUF %d -> %v\n", v, setInt(fd, TUNSETSNDBUF, v))
	}
	for _, v := range []int32{9, -10, 10, 12, 20} {
		e := setInt(fd, TUNSETVNETHDRSZ, v)
		g, _ := getInt(fd, TUNGETVNETHDRSZ)
		fmt.Printf("TUNSETVNETHDRSZ %d -> %v now %d\n", v, e, g)
	}
	setInt(fd, TUNSETVNETHDRSZ, 10)
	le, e := getInt(fd, TUNGETVNETLE)
	fmt.Printf("TUNGETVNETLE %d %v\n", le, e)
	fmt.Printf("TUNSETVNETLE 1 -> %v\n", setInt(fd, TUNSETVNETLE, 1))
	le, _ = getInt(fd, TUNGETVNETLE)
	fmt.Printf("TUNGETVNETLE %d\n", le)
	be, e := getInt(fd, TUNGETVNETBE)
	fmt.Printf("TUNGETVNETBE %d %v; TUNSETVNETBE 1 -> %v\n", be, e, setInt(fd, TUNSETVNETBE, 1))
	for _, v := range []uintptr{0, 1, 2, 3, 0x11, 0x61, 0x21, 0x7f, 0x80, 1 << 31} {
		fmt.Printf("TUNSETOFFLOAD %#x -> %v\n", v, ioctlVal(fd, TUNSETOFFLOAD, v))
	}
	ioctlVal(fd, TUNSETOFFLOAD, 0x0f)
	for _, v := range []uint16{0x200, 0x400, 0x400, 0x200, 0, 0x600} {
		var r ifreq
		r.flags = v
		fmt.Printf("TUNSETQUEUE %#x -> %v\n", v, ioctl(fd, TUNSETQUEUE, unsafe.Pointer(&r)))
	}
	var hw ifreq
	fmt.Printf("SIOCGIFHWADDR -> %v % x\n", ioctl(fd, 0x8927, unsafe.Pointer(&hw)), hw.flags)
	// writes (vnet header LE now)
	w(fd, "short header", []byte{0, 0, 0})
	w(fd, "header only", hdr(0, 0, 0, 0, 0, 0))
	w(fd, "runt frame", append(hdr(0, 0, 0, 0, 0, 0), make([]byte, 13)...))
	w(fd, "plain", append(hdr(0, 0, 0, 0, 0, 0), frame(0x800, 6, 10)...))
	w(fd, "hdr_len > len", append(hdr(0, 0, 500, 0, 0, 0), frame(0x800, 6, 10)...))
	w(fd, "csum fixes hdr_len", append(hdr(1, 0, 0, 0, 34, 16), frame(0x800, 6, 10)...))
	w(fd, "csum beyond", append(hdr(1, 0, 0, 0, 60, 16), frame(0x800, 6, 10)...))
	w(fd, "csum start 10", append(hdr(1, 0, 0, 0, 10, 16), frame(0x800, 6, 10)...))
	w(fd, "csum start 19", append(hdr(1, 0, 0, 0, 19, 16), frame(0x800, 6, 100)...))
	w(fd, "gso type 2", append(hdr(1, 2, 54, 100, 34, 16), frame(0x800, 6, 1000)...))
	w(fd, "tso4 gso_size 0", append(hdr(1, 1, 54, 0, 34, 16), frame(0x800, 6, 1000)...))
	w(fd, "tso4 ok", append(hdr(1, 1, 54, 100, 34, 16), frame(0x800, 6, 1000)...))
	w(fd, "tso4 csum_offset 6", append(hdr(1, 1, 54, 100, 34, 6), frame(0x800, 6, 1000)...))
	w(fd, "tso4 no csum dissect", append(hdr(0, 1, 54, 100, 0, 0), frame(0x800, 6, 1000)...))
	w(fd, "tso4 on udp", append(hdr(0, 1, 54, 100, 0, 0), frame(0x800, 17, 1000)...))
	w(fd, "tso6 on ipv4", append(hdr(0, 4, 54, 100, 0, 0), frame(0x800, 6, 1000)...))
	w(fd, "gso by frags", append(hdr(1, 1, 54, 0xffff, 34, 16), frame(0x800, 6, 1000)...))
	w(fd, "ufo large", append(hdr(1, 3, 42, 100, 34, 6), frame(0x800, 17, 1000)...))
	w(fd, "uso no csum", append(hdr(0, 5, 42, 100, 0, 0), frame(0x800, 17, 1000)...))
	w(fd, "uso ok", append(hdr(1, 5, 42, 100, 34, 6), frame(0x800, 17, 1000)...))
	w(fd, "uso ecn", append(hdr(1, 0x85, 42, 100, 34, 6), frame(0x800, 17, 1000)...))
	w(fd, "uso too many segs", append(hdr(1, 5, 42, 5, 34, 6), frame(0x800, 17, 1000)...))
	w(fd, "small tso is plain", append(hdr(1, 1, 54, 9000, 34, 16), frame(0x800, 6, 1000)...))
	w(fd, "huge", append(hdr(0, 0, 0, 0, 0, 0), make([]byte, 70000)...))
	buf := make([]byte, 4)
	n, err := syscall.Read(fd, buf)
	fmt.Printf("read empty nonblock n=%d err=%v\n", n, err)
	n, err = syscall.Read(fd, nil)
	fmt.Printf("read zero-length n=%d err=%v\n", n, err)
	if len(os.Args) > 3 {
		var ifidx int
		fmt.Sscan(os.Args[2], &ifidx)
		mac := os.Args[3]
		var m [6]byte
		fmt.Sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5])
		ps, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, 0)
		if err != nil {
			fmt.Println("packet socket:", err)
		}
		sa := &syscall.SockaddrLinklayer{Ifindex: ifidx, Halen: 6}
		send := func() {
			fr := frame(0x800, 17, 30)
			copy(fr[0:6], m[:])
			if err := syscall.Sendto(ps, fr, 0, sa); err != nil {
				fmt.Println("sendto:", err)
			}
		}
		syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), TUNSETVNETLE, uintptr(unsafe.Pointer(new(int32))))
		for _, sz := range []int{4, 9, 10, 20, 2000} {
			send()
			for i := 0; i < 1000; i++ {
				b := make([]byte, sz)
				n, err := syscall.Read(fd, b)
				if err == syscall.EAGAIN {
					continue
				}
				fmt.Printf("read with %d-byte buffer: n=%d err=%v\n", sz, n, err)
				if n > 0 {
					fmt.Printf("  % x\n", b[:min(n, 24)])
				}
				break
			}
			n, err := syscall.Read(fd, make([]byte, 2000))
			fmt.Printf("  next read n=%d err=%v\n", n, err)
		}
	}
	// queue limit
	var fds []int
	for i := 0; i < 300; i++ {
		f2, err := syscall.Open(path, syscall.O_RDWR, 0)
		if err != nil {
			fmt.Printf("open #%d: %v\n", i+2, err)
			break
		}
		fds = append(fds, f2)
	}
}
