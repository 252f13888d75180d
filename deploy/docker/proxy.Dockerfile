# The reverse proxy image: Debian 12's nginx terminating TLS in front of the collectors, its
# site rendered at start from deploy/nginx/mentorwatch.conf.in and the environment.
# Build from the top of the repository: docker build -f deploy/docker/proxy.Dockerfile .
FROM debian:12
COPY deploy/install-deps.sh /tmp/install-deps.sh
RUN bash /tmp/install-deps.sh proxy \
    && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh \
    && rm -f /etc/nginx/sites-enabled/default \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
COPY deploy/nginx/render.sh deploy/nginx/mentorwatch.conf.in /opt/mentorwatch/nginx/
COPY deploy/docker/proxy-entrypoint.sh /usr/local/bin/proxy-entrypoint
ENV MW_PROXY_ACCESS_LOG=/dev/stdout
EXPOSE 80 443
STOPSIGNAL SIGQUIT
ENTRYPOINT ["proxy-entrypoint"]
CMD ["nginx", "-g", "daemon off;"]
