package daemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/softnet/softnet/iproute"
	"github.com/softnet/softnet/netdev"
)

// MaxRequestSize bounds one request line on the socket (1 MiB).
const MaxRequestSize = 1 << 20

// Request commands.
const (
	CmdIP      = "ip"       // argv: the words after "ip"
	CmdTC      = "tc"       // argv: the words after "tc"
	CmdSysctl  = "sysctl"   // argv: the words after "sysctl"
	CmdLinkAdd = "link-add" // link: a netdev.LinkRequest (ip link add)
	CmdLinkSet = "link-set" // dev + link: ip link set DEV …
	CmdLinkDel = "link-del" // dev: ip link del DEV
	CmdMonitor = "monitor"  // stream link/address/route/xfrm events as ip monitor prints them
	CmdCapture = "capture"  // dev: stream a pcapng capture of the device
	CmdPing    = "ping"     // health check: status 0, stdout "pong\n"
)

// Request is one API request: a JSON object on one line.
type Request struct {
	// Cmd is one of the Cmd* constants.
	Cmd string `json:"cmd"`
	// Argv are the command's words (ip, tc, sysctl).
	Argv []string `json:"argv,omitempty"`
	// Netns is the namespace the command addresses ("" = the initial one),
	// as `ip -n NAME`.
	Netns string `json:"netns,omitempty"`
	// Dev names a device (link-set, link-del, capture).
	Dev string `json:"dev,omitempty"`
	// Link is a typed ip link request (link-add, link-set); its "data"
	// holds the kind's data as the kind's DataMaker decodes it.
	Link *netdev.LinkRequest `json:"link,omitempty"`
	// Direction restricts a capture: "in", "out" or "" (both).
	Direction string `json:"direction,omitempty"`
	// Snaplen bounds captured bytes per packet (0 = 262144).
	Snaplen int `json:"snaplen,omitempty"`
	// Objects selects a monitor's events: "link", "address", "route",
	// "xfrm" (none, or "all": every one).
	Objects []string `json:"objects,omitempty"`
	// Filter is a capture filter expression (docs/daemon.md); "" keeps
	// every frame.
	Filter string `json:"filter,omitempty"`
}

// Response answers a request: what the command would print and its exit
// status. For monitor and capture a response with Status 0 is followed
// by the stream (event lines, or pcapng bytes).
type Response struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Status int    `json:"status"`
}

// Errors of request decoding.
var (
	ErrTooLarge = errors.New("request larger than 1 MiB")
	ErrEmpty    = errors.New("empty request")
)

// DecodeRequest parses one request strictly: one JSON object, no unknown
// fields, the right types, nothing after it, a known command with the
// fields it needs. Errors read as a user should see them.
func DecodeRequest(line []byte) (*Request, error) {
	if len(line) > MaxRequestSize {
		return nil, ErrTooLarge
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil, ErrEmpty
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid request: data after the JSON object")
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// jsonError turns encoding/json's errors into the API's words.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "request"
		}
		return fmt.Errorf("wrong type for %q: got JSON %s, want %s", field, te.Value, te.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errors.New("malformed JSON: unexpected end of input")
	}
	return fmt.Errorf("invalid request: %v", err)
}

func (r *Request) validate() error {
	switch r.Cmd {
	case CmdIP, CmdTC, CmdSysctl:
		if r.Link != nil || r.Dev != "" {
			return fmt.Errorf("command %q takes argv, not dev or link", r.Cmd)
		}
	case CmdLinkAdd:
		if r.Link == nil {
			return errors.New(`command "link-add" needs "link"`)
		}
	case CmdLinkSet:
		if r.Link == nil || r.Dev == "" {
			return errors.New(`command "link-set" needs "dev" and "link"`)
		}
	case CmdLinkDel, CmdCapture:
		if r.Dev == "" {
			return fmt.Errorf("command %q needs \"dev\"", r.Cmd)
		}
	case CmdMonitor, CmdPing:
	case "":
		return errors.New(`missing "cmd"`)
	default:
		return fmt.Errorf("unknown command %q (want ip, tc, sysctl, link-add, link-set, link-del, monitor, capture or ping)", r.Cmd)
	}
	switch r.Direction {
	case "", "in", "out":
	default:
		return fmt.Errorf("direction %q: want \"in\", \"out\" or empty", r.Direction)
	}
	for _, o := range r.Objects {
		if o != "all" && !slices.Contains(iproute.MonitorObjects, o) {
			return fmt.Errorf("monitor object %q: want link, address, route, xfrm or all", o)
		}
	}
	if r.Snaplen < 0 {
		return errors.New("snaplen must not be negative")
	}
	for _, a := range r.Argv {
		if strings.IndexByte(a, 0) >= 0 {
			return errors.New("argv words must not contain NUL")
		}
	}
	return nil
}

// errorResponse is the answer to a request that could not be decoded or
// was refused: status 1 with the message on stderr.
func errorResponse(format string, args ...any) Response {
	return Response{Stderr: "softnet: " + fmt.Sprintf(format, args...) + "\n", Status: 1}
}
