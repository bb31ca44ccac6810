package repo

type Repository interface {
	Find(id int) string
	Close()
}

type pg struct{}

func (p *pg) Find(id int) string { return "" }

func (p *pg) Close() {}

type file struct{}

func (f file) Find(id int) string { return "" }

func Open() Repository { return &pg{} }
