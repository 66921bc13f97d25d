"""Entry point of the frozen cockpit."""
import sys

if __name__ == "__main__":
    if sys.argv[1:] == ["--media-check"]:
        # `make package-check`: the embedded server's evidence decoders are in the build
        from server.files import media_self_check
        sys.exit(media_self_check())
    from app.main import main
    sys.exit(main())
