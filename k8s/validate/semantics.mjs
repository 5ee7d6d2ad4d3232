// Checks what the schemas cannot: that the objects of one rendered overlay fit together. A Service, NetworkPolicy
// or PodDisruptionBudget whose selector matches no pod, an HPA aimed at nothing, a Secret or ConfigMap (or one of its
// keys) that nothing creates and that is not listed as external, and a probe or Service port that no container
// declares all pass `kubectl apply` and fail only at run time.
// Usage: semanticProblems(objects, external) → list of messages; `external` maps "Kind/name" to the keys it holds.

const POD_OWNERS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

function podTemplates(objects) {
  return objects
    .filter((o) => POD_OWNERS.has(o.kind))
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, object: o, labels: o.spec?.template?.metadata?.labels ?? {},
      spec: o.spec?.template?.spec ?? {} }));
}

function matchesLabels(labels, matchLabels) {
  return Object.entries(matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

function matchesSelector(labels, selector) {
  if (!selector) return false;
  if (!matchesLabels(labels, selector.matchLabels)) return false;
  return (selector.matchExpressions ?? []).every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case "In": return has && e.values.includes(labels[e.key]);
      case "NotIn": return !has || !e.values.includes(labels[e.key]);
      case "Exists": return has;
      case "DoesNotExist": return !has;
      default: return false;
    }
  });
}

function containerPorts(spec) {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].flatMap((c) => c.ports ?? []);
}

function hasPort(spec, port) {
  return containerPorts(spec).some((p) => (typeof port === "number" ? p.containerPort === port : p.name === port));
}

export function semanticProblems(objects, external) {
  const problems = [];
  const pods = podTemplates(objects);
  const byKindName = new Map(objects.map((o) => [`${o.kind}/${o.metadata?.name}`, o]));
  const named = (o) => `${o.kind}/${o.metadata?.name}`;

  for (const pod of pods) {
    if (pod.object.spec?.selector && !matchesSelector(pod.labels, pod.object.spec.selector)) {
      problems.push(`${pod.owner}: its selector does not match its own pod template's labels`);
    }
  }

  for (const o of objects) {
    if (o.kind === "Service" && o.spec?.selector) {
      const selected = pods.filter((p) => matchesLabels(p.labels, o.spec.selector));
      if (selected.length === 0) {
        problems.push(`${named(o)}: selector ${JSON.stringify(o.spec.selector)} matches no pod`);
      }
      for (const port of o.spec.ports ?? []) {
        const target = port.targetPort ?? port.port;
        for (const pod of selected) {
          if (!hasPort(pod.spec, target)) {
            problems.push(`${named(o)}: targetPort ${target} is not a port of ${pod.owner}`);
          }
        }
      }
    }
    if (o.kind === "PodDisruptionBudget" && !pods.some((p) => matchesSelector(p.labels, o.spec?.selector))) {
      problems.push(`${named(o)}: selector matches no pod`);
    }
    if (o.kind === "HorizontalPodAutoscaler") {
      const ref = o.spec?.scaleTargetRef;
      if (!ref || !byKindName.has(`${ref.kind}/${ref.name}`)) {
        problems.push(`${named(o)}: scaleTargetRef ${ref?.kind}/${ref?.name} does not exist`);
      }
    }
    if (o.kind === "NetworkPolicy") {
      const selected = pods.filter((p) => matchesSelector(p.labels, o.spec?.podSelector));
      if (selected.length === 0) {
        problems.push(`${named(o)}: podSelector matches no pod`);
      }
      for (const rule of o.spec?.ingress ?? []) {
        for (const peer of rule.from ?? []) {
          if (peer.podSelector && !pods.some((p) => matchesSelector(p.labels, peer.podSelector))) {
            problems.push(`${named(o)}: ingress from podSelector ${JSON.stringify(peer.podSelector)} matches no pod`);
          }
        }
        for (const port of rule.ports ?? []) {
          for (const pod of selected) {
            if (port.port !== undefined && !hasPort(pod.spec, port.port)) {
              problems.push(`${named(o)}: port ${port.port} is not a port of ${pod.owner}`);
            }
          }
        }
      }
    }
  }

  // Every Secret and ConfigMap a pod reads, and every key it reads from one, exists or is external.
  const keysOf = (kind, name) => {
    const object = byKindName.get(`${kind}/${name}`);
    if (object) return new Set([...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {}),
      ...Object.keys(object.binaryData ?? {})]);
    const listed = external[`${kind}/${name}`];
    return listed ? new Set(listed) : null;
  };
  const reference = (owner, kind, name, key, optional) => {
    if (optional) return;
    const keys = keysOf(kind, name);
    if (keys === null) {
      problems.push(`${owner}: ${kind}/${name} is created by nothing here and not listed as external`);
    } else if (key !== undefined && !keys.has(key)) {
      problems.push(`${owner}: ${kind}/${name} has no key ${key}`);
    }
  };
  for (const pod of pods) {
    for (const container of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])]) {
      const owner = `${pod.owner} (${container.name})`;
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef) reference(owner, "ConfigMap", source.configMapRef.name, undefined, source.configMapRef.optional);
        if (source.secretRef) reference(owner, "Secret", source.secretRef.name, undefined, source.secretRef.optional);
      }
      for (const variable of container.env ?? []) {
        const from = variable.valueFrom ?? {};
        if (from.configMapKeyRef) reference(owner, "ConfigMap", from.configMapKeyRef.name, from.configMapKeyRef.key, from.configMapKeyRef.optional);
        if (from.secretKeyRef) reference(owner, "Secret", from.secretKeyRef.name, from.secretKeyRef.key, from.secretKeyRef.optional);
      }
      for (const probeName of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const probe = container[probeName];
        const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port ?? probe?.grpc?.port;
        if (port !== undefined && !(container.ports ?? []).some((p) =>
            (typeof port === "number" ? p.containerPort === port : p.name === port))) {
          problems.push(`${owner}: ${probeName} port ${port} is not one of the container's ports`);
        }
      }
    }
    for (const volume of pod.spec.volumes ?? []) {
      if (volume.configMap) reference(`${pod.owner} (volume ${volume.name})`, "ConfigMap", volume.configMap.name, undefined, volume.configMap.optional);
      if (volume.secret) reference(`${pod.owner} (volume ${volume.name})`, "Secret", volume.secret.secretName, undefined, volume.secret.optional);
    }
  }
  return problems;
}
