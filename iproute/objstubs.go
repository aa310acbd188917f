package iproute

// Handlers of ip route/neigh; they arrive with package inet.
var (
	doRoute = notYet("route")
	doNeigh = notYet("neighbour")
)
