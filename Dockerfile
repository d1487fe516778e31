# her2lesson in a container: `her2lesson serve` with the module's content, as a non-root user.
#
#   docker build -t her2lesson:0.1.0 .
#   docker run --rm -p 8866:8866 her2lesson:0.1.0                   # records in SQLite, in the /var/lib/her2lesson volume
#   docker run --rm -p 8866:8866 -e HER2LESSON_DATABASE_URL=postgresql://user:password@host:5432/her2lesson her2lesson:0.1.0
#
# Options of `her2lesson serve` go after the image name (`... her2lesson:0.1.0 --port 8866 --max-learners 30`): they
# replace CMD below. The root filesystem may be read-only (Kubernetes: readOnlyRootFilesystem): the server writes
# only to /tmp (kernels' connection files, the content snapshot), $HOME (Jupyter's notebook-signing key, IPython's
# profile) and, for SQLite records, /var/lib/her2lesson. deploy/kubernetes/ runs it that way;
# tests/test_kubernetes.py lints this file with hadolint and, where a container engine works, builds and runs it.

# Build stage: the package and its dependencies in a virtual environment. Every dependency ships a wheel for
# this platform, so no compiler is needed here either, and none reaches the final image.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/her2lesson
COPY pyproject.toml README.md ./
COPY her2lesson ./her2lesson
# A regular (not editable) install: pip also compiles the bytecode, which a read-only image cannot write later.
RUN /opt/her2lesson/bin/pip install --no-cache-dir . \
    && /opt/her2lesson/bin/her2lesson --version

# Final stage: the same slim Python, the virtual environment, the content, and an unprivileged user.
FROM python:3.11-slim-bookworm
ENV PATH=/opt/her2lesson/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/home/her2lesson \
    HER2LESSON_CONTENT_DIR=/srv/her2lesson \
    HER2LESSON_DATA_DIR=/var/lib/her2lesson
RUN groupadd --system --gid 10001 her2lesson \
    && useradd --system --no-log-init --uid 10001 --gid her2lesson --home-dir /home/her2lesson --create-home \
       --shell /usr/sbin/nologin her2lesson \
    && install -d -o her2lesson -g her2lesson -m 0700 /var/lib/her2lesson
COPY --from=build /opt/her2lesson /opt/her2lesson
# The module's content (HER2LESSON_CONTENT_DIR): owned by root, so the server can read it but never change it.
COPY data /srv/her2lesson/data
COPY notebooks /srv/her2lesson/notebooks
# `her2lesson check` at build time: an image whose content has a problem is never made.
RUN her2lesson check
USER 10001:10001
WORKDIR /home/her2lesson
VOLUME ["/var/lib/her2lesson"]
EXPOSE 8866
# Python's own urllib, so the image needs no curl. Port 8866: change it here too if CMD's --port changes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8866/health', timeout=4).status != 200)"]
ENTRYPOINT ["her2lesson", "serve", "--host", "0.0.0.0"]
CMD ["--port", "8866"]
