class Dao {
    void insert() {
    }
}

class OtherDao {
    void insert() {
    }
}

class BaseService {
    protected Dao dao;
}

class UserService extends BaseService {
    void create() {
        dao.insert();
    }
}
