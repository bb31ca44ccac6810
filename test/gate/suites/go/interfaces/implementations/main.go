package main

type Store interface {
	Save(x int) error
}

type SQLStore struct{}

func (s *SQLStore) Save(x int) error { return nil }

type MemStore struct{}

func (m MemStore) Save(x int) error { return nil }

func (m MemStore) Load() int { return 0 }

// has no Save: does not implement Store
type Cache struct{}

func (c Cache) Load() int { return 1 }

type Service struct{ store Store }

func (s *Service) Put(x int) error { return s.store.Save(x) }

func main() {
	s := &Service{store: &SQLStore{}}
	s.Put(1)
}
