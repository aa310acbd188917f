//go:build !linux

package daemon

import "errors"

// peerCredentials is unavailable off Linux: every connection is refused.
func peerCredentials(conn any) (Cred, error) {
	return Cred{}, errors.New("permission denied: peer credentials are not supported on this system")
}
