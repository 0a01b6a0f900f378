import numpy as np
from PIL import Image, ImageEnhance
def pattern(c,h,w):
    a=np.zeros((c,h,w),dtype=np.uint8)
    for k in range(c):
        for y in range(h):
            for x in range(w):
                a[k,y,x]=(y*31+x*17+k*67+(x*y)%13)%256
    return a
def pil(a):
    if a.shape[0]==1: return Image.fromarray(a[0],'L')
    return Image.fromarray(np.ascontiguousarray(a.transpose(1,2,0)),'RGB')
def back(im):
    a=np.array(im)
    if a.ndim==2: a=a[None]
    else: a=a.transpose(2,0,1)
    return a
def sw(name,a): print(f"    static let {name}: [UInt8] = [{', '.join(str(int(v)) for v in a.flatten())}]")
a=pattern(3,7,9)
sw("bilinearDown4x5", back(pil(a).resize((5,4),Image.BILINEAR)))
sw("bilinearUp11x13", back(pil(a).resize((13,11),Image.BILINEAR)))
sw("bilinearWidthOnly7x4", back(pil(a).resize((4,7),Image.BILINEAR)))
sw("nearestPIL5x4", back(pil(a).resize((4,5),Image.NEAREST)))
g=pattern(1,20,23)
sw("grayBilinear6x7", back(pil(g).resize((7,6),Image.BILINEAR)))
big=pattern(1,240,240)
r=back(pil(big).resize((224,224),Image.NEAREST))
# recover index tables from column 0 row pattern? just store checksum and a row
print("    static let nearestPIL240to224Sum =", int(r.astype(np.int64).sum()))
print("    static let nearestPIL240to224Row100: [UInt8] = [" + ", ".join(str(int(v)) for v in r[0,100,:]) + "]")
# colour ops
sw("brightness1_3", back(ImageEnhance.Brightness(pil(a)).enhance(1.3)))
sw("brightness0_7", back(ImageEnhance.Brightness(pil(a)).enhance(0.7)))
sw("contrast1_2", back(ImageEnhance.Contrast(pil(a)).enhance(1.2)))
sw("contrast0_6", back(ImageEnhance.Contrast(pil(a)).enhance(0.6)))
sw("saturation1_5", back(ImageEnhance.Color(pil(a)).enhance(1.5)))
sw("saturation0_4", back(ImageEnhance.Color(pil(a)).enhance(0.4)))
sw("grayContrast1_2", back(ImageEnhance.Contrast(pil(g)).enhance(1.2)))
def hue(img,f):
    h,s,v=img.convert('HSV').split()
    nh=np.array(h,dtype=np.uint8)
    with np.errstate(over='ignore'):
        nh += np.array(f*255).astype(np.uint8) if f>=0 else np.uint8(np.int64(int(f*255)) % 256)
    return Image.merge('HSV',(Image.fromarray(nh,'L'),s,v)).convert('RGB')
sw("hue0_1", back(hue(pil(a),0.1)))
sw("hueMinus0_2", back(hue(pil(a),-0.2)))
sw("hsv", back(pil(a).convert('HSV')))
print("    static let contrastMeanGray =", np.array(pil(a).convert('L')).mean())
