from services.notify.bootstrap import build

if __name__ == "__main__":
    build().run()
