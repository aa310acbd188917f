package iproute

// Handlers of ip address/route/neigh; they arrive with package inet.
var (
	doAddr  = notYet("address")
	doRoute = notYet("route")
	doNeigh = notYet("neighbour")
)
