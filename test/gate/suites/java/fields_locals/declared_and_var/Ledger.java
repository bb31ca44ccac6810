class Entry {
    void post() {
    }
}

class Journal {
    void close() {
    }
}

class Ledger {
    private Journal journal;

    void book(Object o) {
        Entry e = new Entry();
        e.post();
        var j = new Journal();
        j.close();
        this.journal.close();
        ((Entry) o).post();
        if (o instanceof Journal jj) {
            jj.close();
        }
    }
}
