# The coach for self-hosters: one image, run as the bot (`coach run`) or a batch worker (`coach worker`).
# compose.yaml wires it to PostgreSQL and Redis. CPU-only torch keeps the image small (shared/STACK.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    COACH_DATA_DIR=/data HF_HUB_OFFLINE=1

RUN useradd --create-home --uid 10001 coach && mkdir /data && chown coach /data
WORKDIR /app

# Dependencies first (cached while the code changes): CPU torch, then the project with its extras.
COPY pyproject.toml README.md ./
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch \
 && pip install "dramatiq[redis,rabbitmq]" "rich"
COPY coach ./coach
COPY bot ./bot
COPY memory ./memory
RUN pip install .

USER coach
VOLUME ["/data"]
ENTRYPOINT ["coach"]
CMD ["run"]
