package daemon

import (
	"fmt"

	"github.com/softnet/softnet/internal/sys"
)

// Cred is a connecting process's credentials (SO_PEERCRED).
type Cred = sys.Cred

// peerCredentials reads a Unix connection's SO_PEERCRED (refused off
// Linux).
func peerCredentials(conn any) (Cred, error) { return sys.PeerCred(conn) }

// authorize admits root and the daemon's own user; everyone else is
// refused before any request is read. The socket's mode (0600) keeps
// others out already; this check holds even if the mode is changed.
func authorize(c Cred, daemonUID int) error {
	if c.UID == 0 || c.UID == daemonUID {
		return nil
	}
	return fmt.Errorf("permission denied: uid %d may not use this daemon (only root and uid %d)", c.UID, daemonUID)
}
