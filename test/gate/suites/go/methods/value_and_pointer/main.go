package main

type Counter struct{ n int }

func (c *Counter) Inc() { c.n++ }

func (c Counter) Get() int { return c.n }

type Gauge struct{}

func (g *Gauge) Inc() {}

func (g Gauge) Get() int { return 1 }

func report(c Counter) int { return c.Get() }

func main() {
	var c Counter
	c.Inc()
	p := &c
	p.Get()
	report(*p)
}
