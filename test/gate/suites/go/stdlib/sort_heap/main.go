package main

import (
	"container/heap"
	"sort"
)

type Entry struct{ Amount int }

type byAmount []Entry

func (s byAmount) Len() int           { return len(s) }
func (s byAmount) Less(i, j int) bool { return s[i].Amount < s[j].Amount }
func (s byAmount) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }

type queue []int

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i] < q[j] }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(int)) }
func (q *queue) Pop() any          { return nil }

// sorted by sort.Slice with a function: its methods are not called
type ledger []Entry

func (l ledger) Len() int { return len(l) }

func order(xs []Entry) {
	sort.Stable(byAmount(xs))
}

func drain(q *queue) {
	heap.Push(q, 1)
}

func bySlice(l ledger) {
	sort.Slice(l, func(i, j int) bool { return l[i].Amount < l[j].Amount })
}

func main() {
	order(nil)
	drain(&queue{})
	bySlice(nil)
}
