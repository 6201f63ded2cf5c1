import type { HeroImage } from '@herogen/vite/hero';

export interface PictureOptions {
  sizes?: string;
  /** `eager` for the image above the fold. */
  loading?: 'lazy' | 'eager';
  className?: string;
}

/**
 * A `<picture>` with AVIF/WebP sources and a JPEG fallback. Until the image arrives, the frame
 * shows the dominant colour and the blurred placeholder, so nothing jumps or flashes white.
 */
export function renderPicture(hero: HeroImage, options: PictureOptions = {}): HTMLElement {
  const frame = document.createElement('div');
  frame.className = `hero-frame ${options.className ?? ''}`.trim();
  frame.style.aspectRatio = `${hero.width} / ${hero.height}`;
  frame.style.backgroundColor = hero.dominantColor;
  if (hero.placeholder) frame.style.backgroundImage = `url("${hero.placeholder}")`;

  const picture = document.createElement('picture');
  for (const source of hero.sources) {
    const element = document.createElement('source');
    element.type = source.type;
    element.srcset = source.srcset;
    element.sizes = options.sizes ?? hero.sizes;
    picture.append(element);
  }
  const img = document.createElement('img');
  img.src = hero.src;
  img.srcset = hero.srcset;
  img.sizes = options.sizes ?? hero.sizes;
  img.width = hero.width;
  img.height = hero.height;
  img.alt = hero.alt;
  img.loading = options.loading ?? 'lazy';
  img.decoding = 'async';
  const reveal = () => frame.classList.add('is-loaded');
  if (img.complete) queueMicrotask(reveal);
  else img.addEventListener('load', reveal, { once: true });
  picture.append(img);
  frame.append(picture);

  if (hero.status === 'placeholder') {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = 'placeholder art';
    badge.title = 'Offline art from the prompt hash; set an API key to generate the real image.';
    frame.append(badge);
  }
  return frame;
}
