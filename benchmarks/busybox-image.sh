# Sourced by the containerd benchmarks: busybox_image DIR NAME:TAG CMD_JSON APPLET... writes DIR/image.tar,
# a docker-save archive of one layer (busybox-static, the applets' links, /etc/passwd with root and the
# mount points a distribution image has) whose config runs CMD_JSON (a JSON array) with PATH=/bin.
busybox_image() {
  local img=$1 tag=$2 cmd=$3 a diff_id cfg
  shift 3
  mkdir -p "$img/layer/bin" "$img/layer/etc" "$img/layer/proc" "$img/layer/sys" "$img/layer/dev" "$img/layer/tmp"
  cp /bin/busybox "$img/layer/bin/busybox"
  for a in "$@"; do ln -s busybox "$img/layer/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$img/layer/etc/passwd"
  tar -C "$img/layer" -cf "$img/layer.tar" .
  diff_id=$(sha256sum "$img/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":%s,"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$cmd" "$diff_id" > "$img/config.json"
  cfg=$(sha256sum "$img/config.json" | cut -d' ' -f1)
  mkdir -p "$img/archive/0" && cp "$img/layer.tar" "$img/archive/0/layer.tar" && cp "$img/config.json" "$img/archive/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["0/layer.tar"]}]' "$cfg" "$tag" > "$img/archive/manifest.json"
  tar -C "$img/archive" -cf "$img/image.tar" .
}
