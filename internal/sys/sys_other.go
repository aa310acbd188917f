//go:build !linux

package sys

import (
	"errors"
	"net"
	"net/netip"
)

// Tun is an open TUN/TAP device (Linux only).
type Tun struct {
	Name       string
	Queues     []*Conn
	Offload    uint32
	VnetHdrLen int
}

// OpenTun returns ErrNotSupported.
func OpenTun(TunConfig) (*Tun, error) { return nil, ErrNotSupported }

// Close does nothing.
func (t *Tun) Close() error { return nil }

// SetPersist returns ErrNotSupported.
func (t *Tun) SetPersist(bool) error { return ErrNotSupported }

// Conn is a pollable descriptor (Linux only).
type Conn struct{}

// NewConn returns ErrNotSupported.
func NewConn(int, string) (*Conn, error) { return nil, ErrNotSupported }

// IsClosed reports false.
func IsClosed(error) bool { return false }

// Close does nothing.
func (c *Conn) Close() error { return nil }

// Read returns ErrNotSupported.
func (c *Conn) Read([]byte) (int, error) { return 0, ErrNotSupported }

// Write returns ErrNotSupported.
func (c *Conn) Write([]byte) (int, error) { return 0, ErrNotSupported }

// ReadBatch returns ErrNotSupported.
func (c *Conn) ReadBatch([][]byte, []int) (int, error) { return 0, ErrNotSupported }

// RecvBatch returns ErrNotSupported.
func (c *Conn) RecvBatch(*Batch) (int, error) { return 0, ErrNotSupported }

// SendBatch returns ErrNotSupported.
func (c *Conn) SendBatch(*Batch, int) (int, error) { return 0, ErrNotSupported }

// SendEach reports every message refused on this platform.
func (c *Conn) SendEach(b *Batch, n int, done func(int, error)) {
	for i := range min(n, len(b.Msgs)) {
		done(i, ErrNotSupported)
	}
}

// Writev returns ErrNotSupported.
func (c *Conn) Writev([][]byte) (int, error) { return 0, ErrNotSupported }

// MaxIov bounds Msg.Bufs and Conn.Writev's slices.
const MaxIov = 1024

// SendMsg returns ErrNotSupported.
func (c *Conn) SendMsg(*Msg) error { return ErrNotSupported }

// Control returns ErrNotSupported.
func (c *Conn) Control(func(int) error) error { return ErrNotSupported }

// LocalAddr returns ErrNotSupported.
func (c *Conn) LocalAddr() (netip.AddrPort, error) { return netip.AddrPort{}, ErrNotSupported }

// Batch is a set of messages for batched I/O.
type Batch struct {
	Msgs []Msg
}

// NewBatch returns a batch of n messages.
func NewBatch(n int) *Batch { return &Batch{Msgs: make([]Msg, max(n, 1))} }

// PacketConfig describes an AF_PACKET socket.
type PacketConfig struct {
	Ifindex     int
	VnetHdr     bool
	FanoutGroup uint16
	Promisc     bool
}

// OpenPacket returns ErrNotSupported.
func OpenPacket(PacketConfig) (*Conn, error) { return nil, ErrNotSupported }

// OpenRawIP returns ErrNotSupported.
func OpenRawIP(int, string) (*Conn, error) { return nil, ErrNotSupported }

// OpenRawIP6 returns ErrNotSupported.
func OpenRawIP6(int, string) (*Conn, error) { return nil, ErrNotSupported }

// OpenRawIP6Out returns ErrNotSupported.
func OpenRawIP6Out(string) (*Conn, error) { return nil, ErrNotSupported }

// UDPConfig describes a UDP socket.
type UDPConfig struct {
	Addr   netip.AddrPort
	GRO    bool
	Device string
}

// OpenUDP returns ErrNotSupported.
func OpenUDP(UDPConfig) (*Conn, error) { return nil, ErrNotSupported }

// UDPSegmentSupported reports false.
func UDPSegmentSupported() bool { return false }

// InterfaceIndex returns ErrNotSupported.
func InterfaceIndex(string) (int, error) { return 0, ErrNotSupported }

// LinkUp returns ErrNotSupported.
func LinkUp(string, bool) error { return ErrNotSupported }

// SetMTU returns ErrNotSupported.
func SetMTU(string, int) error { return ErrNotSupported }

// HardwareAddr returns ErrNotSupported.
func HardwareAddr(string) ([]byte, error) { return nil, ErrNotSupported }

// AddAddr4 returns ErrNotSupported.
func AddAddr4(string, netip.Prefix) error { return ErrNotSupported }

// AddNeigh4 returns ErrNotSupported.
func AddNeigh4(string, netip.Addr, []byte) error { return ErrNotSupported }

// Cred is a connected peer's process credentials.
type Cred struct {
	PID, UID, GID int
}

// PeerCred is unavailable off Linux.
func PeerCred(any) (Cred, error) {
	return Cred{}, errors.New("permission denied: peer credentials are not supported on this system")
}

// SetHardwareAddr returns ErrNotSupported.
func (t *Tun) SetHardwareAddr(net.HardwareAddr) error { return ErrNotSupported }
