class Api:
    def refund(self):
        pass


api = Api()
getattr(api, "refund")()
