package redisbroker

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The URL forms, as errors name them. A single server is go-redis's usual
// form; a cluster is go-redis's cluster form (redis.ParseClusterURL): one
// node in the host part and every further seed node as an addr parameter.
const (
	singleForm  = "redis://[user:pass@]host:port/db for one server"
	clusterForm = "redis://[user:pass@]host:port?addr=host2:port2&addr=... for a Redis Cluster"
)

// target is what a REDIS_URL names: one server, or the seed nodes of a
// Redis Cluster. Exactly one of single and cluster is set.
type target struct {
	single  *redis.Options
	cluster *redis.ClusterOptions
	db      int // of single; a cluster has only database 0
}

// CheckURL reports whether New accepts url, with an error that names the
// expected forms and never quotes the URL (it may hold a password). A URL
// with one or more addr=host:port parameters names a Redis Cluster; any
// other redis:// or rediss:// URL names a single server.
func CheckURL(url string) error {
	_, err := parseURL(url)
	return err
}

func parseURL(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return target{}, errors.New("must be " + singleForm + ", or " + clusterForm)
	}
	if !u.Query().Has("addr") {
		ro, err := redis.ParseURL(raw)
		if err != nil {
			// go-redis's error may quote the URL, password included: not wrapped.
			return target{}, errors.New("must be " + singleForm + " (the database a number), or " + clusterForm)
		}
		return target{single: ro, db: ro.DB}, nil
	}
	// Redis Cluster has one database, and go-redis ignores the path of a
	// cluster URL: refuse one that asks for another rather than drop it.
	if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
		return target{}, errors.New("must be " + clusterForm + ", which has only database 0")
	}
	// go-redis knows more cluster parameters, but the broker sets its own
	// timeouts and retries, and reading from replicas would break its
	// subscriptions: refuse them rather than ignore them.
	for k := range u.Query() {
		if k != "addr" {
			return target{}, errors.New("must be " + clusterForm + ", each addr a host:port and no other parameter")
		}
	}
	noPath := *u
	noPath.Path, noPath.RawPath = "", ""
	co, err := redis.ParseClusterURL(noPath.String())
	if err != nil {
		return target{}, errors.New("must be " + clusterForm + ", each addr a host:port and no other parameter")
	}
	return target{cluster: co}, nil
}

// Every connection fails fast while Redis is away: the publisher drops
// rather than queues, and the subscriber retries on its own schedule.
const (
	dialTimeout = 2 * time.Second
	ioTimeout   = 2 * time.Second
	poolSize    = 4 // per server: the publisher and the occasional command
)

// client returns the client of t, tuned as above, and the function that
// names the server a channel's subscription goes to (see subscription).
func (t target) client() (conn, router) {
	if t.cluster != nil {
		co := t.cluster
		co.DialTimeout, co.ReadTimeout, co.WriteTimeout = dialTimeout, ioTimeout, ioTimeout
		co.MaxRetries, co.PoolSize = 1, poolSize
		cc := redis.NewClusterClient(co)
		return cc, clusterRouter(cc)
	}
	ro := t.single
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout = dialTimeout, ioTimeout, ioTimeout
	ro.MaxRetries, ro.PoolSize = 1, poolSize
	c := redis.NewClient(ro)
	return c, singleRouter(c)
}
